PATHLEARN_THREADS=2 pathlearn twolayer   # two threads per pool instead of one
