bash scripts/serve.sh
bash scripts/test.sh
