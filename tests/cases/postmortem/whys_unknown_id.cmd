whys show inv_0000000000000000 --data-dir $TMP
