traces compare --baseline now-2h,now-1h
