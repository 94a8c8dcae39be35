# bench/peers/check.py: the cell-by-cell check of two tables of the same job: every row the peer (Spark, ...)
# wrote beside kascade's row of the same id. Ids only the peer wrote must be kascade's dead letters.
#   python bench/peers/check.py PEER_KEYSPACE KASCADE_KEYSPACE TOPIC [PEER_NAME]   (exit 1 when any cell differs)
import json
import sys

COLUMNS = ["id", "first_name", "last_name", "gender", "address", "post_code", "email", "username", "dob",
           "registered_date", "phone", "picture"]


def rows(session, keyspace, table):
    query = f"SELECT {', '.join(COLUMNS)} FROM {keyspace}.{table}"
    return {str(row[0]): tuple(row[1:]) for row in session.execute(query, timeout=300)}


def dead_letter_ids(session, keyspace, topic, partitions=64):
    """Ids named by the messages kascade made dead letters of (those whose bytes are JSON with an id)."""
    ids = {}
    found = session.execute(f"SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s "
                            f"AND table_name = 'dead_letters'", (keyspace,)).one()
    if found is None:
        return ids
    query = (f"SELECT value, error_class, error_message FROM {keyspace}.dead_letters "
             f"WHERE topic = %s AND partition IN ({', '.join(str(p) for p in range(partitions))})")
    for row in session.execute(query, (topic,), timeout=300):
        try:
            ids[str(json.loads(row.value)["id"])] = f"{row.error_class}: {row.error_message}"
        except (ValueError, TypeError, KeyError):
            continue
    return ids


def compare(session, peer_keyspace, kascade_keyspace, topic, table="created_users"):
    """A summary dict: rows compared, differing cells (with a few examples), ids only one side wrote."""
    peer, ours = rows(session, peer_keyspace, table), rows(session, kascade_keyspace, table)
    letters = dead_letter_ids(session, kascade_keyspace, topic)
    differing, examples = 0, []
    for key in peer.keys() & ours.keys():
        for name, a, b in zip(COLUMNS[1:], peer[key], ours[key]):
            if a != b:
                differing += 1
                if len(examples) < 5:
                    examples.append((key, name, a, b))
    only_peer = peer.keys() - ours.keys()
    return {
        "compared": len(peer.keys() & ours.keys()),
        "differing_cells": differing,
        "examples": examples,
        "only_peer": len(only_peer),
        "only_peer_dead_lettered": len(only_peer & letters.keys()),
        "only_peer_unexplained": sorted(only_peer - letters.keys())[:5],
        "only_kascade": len(ours.keys() - peer.keys()),
        "dead_letter_reasons": sorted({reason.split(":")[0] for reason in letters.values()}),
    }


def verdict(summary, peer_name="spark"):
    """A line to print, and whether the two tables agree (no differing cell, every id only the peer wrote is
    a dead letter of kascade's, none only kascade wrote)."""
    ok = (summary["differing_cells"] == 0 and not summary["only_peer_unexplained"] and summary["only_kascade"] == 0)
    line = (f"check: {summary['compared']} ids in both, {summary['differing_cells']} differing cells; "
            f"{summary['only_peer']} ids only {peer_name} wrote ({summary['only_peer_dead_lettered']} of them "
            f"kascade's dead letters: {', '.join(summary['dead_letter_reasons']) or '-'}); "
            f"{summary['only_kascade']} only kascade wrote")
    if summary["examples"]:
        line += f"; e.g. {summary['examples'][:2]}"
    if summary["only_peer_unexplained"]:
        line += f"; not dead letters: {summary['only_peer_unexplained']}"
    return line, ok


def main():
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    from cassandra_session import connect  # noqa: PLC0415
    cluster, session = connect()
    try:
        line, ok = verdict(compare(session, *sys.argv[1:4]), *sys.argv[4:5])
    finally:
        cluster.shutdown()
    print(line)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
