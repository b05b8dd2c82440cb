fta analyze tests/cases/fta/bad_xml.xml
