pathlearn gan --seed 3 --device cpu | tail -n 1
pathlearn gan --seed 3 --device cpu | tail -n 1   # the same line again
