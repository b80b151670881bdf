pathlearn gan --device auto      # cuda, then mps, then cpu
pathlearn gan --device cpu
pathlearn gan --device cuda:1    # the second GPU
pathlearn lstm --device mps      # Apple silicon
