traces compare --baseline yesterday,now --incident now-1h,now
