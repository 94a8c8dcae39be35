# bench/peers/venv.sh: sourced (from the repository's root) by every peer's scripts. Installs
# bench/peers/spark/requirements.txt (PySpark, the Cassandra and Kafka clients, matplotlib) into
# .cache/peers-venv once, again only when that file changes; sets $venv.
venv=.cache/peers-venv
requirements=bench/peers/spark/requirements.txt
if ! cmp -s "$requirements" "$venv/requirements.txt" 2>/dev/null; then
  echo "peers: installing PySpark, the Cassandra and Kafka clients and matplotlib into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$venv/requirements.txt"
fi
