drift --method age=psi --threshold age=0.9 --bins age=4 --method country=hellinger --skip score --reference tests/cases/drift/ref.csv tests/cases/drift/shift.csv
