traces compare --baseline now-1h,now-2h --incident now-1h,now
