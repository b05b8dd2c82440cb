models --data-dir $TMP register fraud v5 --stage staging --metric auc=0.93 --metric f1=0.71 --train-from 2026-10-01T00:00:00Z --train-to 2026-11-01T00:00:00Z --description "retrained on October"
&& "$bin" models --data-dir $TMP register fraud v6 --stage production
&& "$bin" models --data-dir $TMP stage fraud v5 production --archive-others
&& "$bin" models --data-dir $TMP alias fraud champion v5
&& "$bin" models --data-dir $TMP alias fraud champion v5
&& "$bin" models --data-dir $TMP alias fraud champion v6
&& "$bin" models --data-dir $TMP alias --delete fraud champion
&& "$bin" models --data-dir $TMP alias fraud canary v6
&& "$bin" models --data-dir $TMP list
