pathlearn twolayer --steps 500 --lr 1e-6 --out runs/twolayer
pathlearn lstm --epochs 200 --horizon 12 --out runs/lstm
pathlearn lstm --csv sales.csv --column units --season 12 --horizon 6
pathlearn gan --variant plain --seed 1
pathlearn gan --mean -3 --std 0.5 --device cuda --out runs/gan
python -m pathlearn --version
