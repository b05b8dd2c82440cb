whys confirm inv_0000000000000000 2 --data-dir $TMP
