whys edit inv_0000000000000000 zero --text x --data-dir $TMP
