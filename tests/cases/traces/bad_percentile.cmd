traces compare --baseline now-2h,now-1h --incident now-1h,now --percentile 100
