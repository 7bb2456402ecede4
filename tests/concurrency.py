"""Requests sent at the same moment, each from its own thread and database connection."""

import threading

from django.db import connection


def at_once(call, arguments: list) -> list:
    """Runs `call(argument)` for each argument in its own thread, all released together by a
    barrier; returns the results in the order the calls finished."""
    start = threading.Barrier(len(arguments))
    results = []

    def run(argument):
        try:
            start.wait()
            results.append(call(argument))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(argument,)) for argument in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
