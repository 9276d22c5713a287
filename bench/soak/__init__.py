"""A soak (``make bench-soak``, issue 16): ten minutes of mixed load on a whole system, and
proof that nothing in it grows.

The system is the faults suite's (``bench.faults.stack``: every process through devrun, on an
embedded PostgreSQL and Redis of its own), and so is the candidates' day
(``bench.faults.journeys``: sign-up, log-in, major, exam sign-up, payment by the provider's
signed notification, a score review answered by staff, the corrected result read, a
transcript), each acknowledged write kept in the ledger. The soak adds, between payment and
review, the admission ticket (a staff member uploads the candidate's photo, a seat allocation
run seats the newly paid, the candidate asks with the contract's ``RequestAdmissionTicket``
and the worker renders it) and, beside the journeys, result reads (``MyResults`` and
``MyPassedCourses`` of the last 200 candidates) at a steady rate.

Load: ``--concurrency`` journeys at a time (default 4), each a new candidate as soon as the
last finished, and ``--reads`` result reads a second (default 20); a seat allocation whenever
a paid candidate waits for a seat. After a warm-up of 30 s (``--warm-up``: by then every pool
has opened its connections, the worker has loaded its fonts, the gateway has planned every
operation and Python's allocator holds the arenas the load needs) the first sample; then one
every minute (``--every``) and the last as the load stops after ``--seconds`` (600). A sample
holds each process's ``VmRSS`` and open descriptors (``/proc/<pid>``: the gateway, the three
services, the three workers and the mail sink, PostgreSQL's processes together, Redis),
PostgreSQL's client connections (``pg_stat_activity``) and Redis's ``connected_clients``,
both also by the process holding them (``ss``: the services set no ``application_name``).
Then the soak waits for the queues to drain (no job in an arq queue but the workers' cron
wake-ups, no document pending or rendering, no seat allocation under way) and checks the
ledger against the database (``bench.faults.ledger_check``: every acknowledged write there
once, every document READY).

Flat means, between the first sample and the last: each process's memory grew by at most 10 %
of its start or 20 MiB, whichever is larger (a Python process's caches still fill a little
after the warm-up; a leak of a kilobyte a request is some 30 MiB in ten minutes of the default
load), PostgreSQL judged on its private memory (``RssAnon``), its ``VmRSS`` counting the
shared buffers once a backend; no process but PostgreSQL (whose backends keep the files of the
tables they touched open) holds more than 10 more descriptors; the system holds at most 10
more PostgreSQL and Redis connections. The exit code is 1 when anything is not flat, any
answer failed or a journey stuck, the queues did not drain within 300 s, anything was lost or
doubled, or a process exited.

``python -m bench.soak [--seconds 600] [--warm-up 30] [--concurrency 4] [--reads 20]
[--every 60] [--logs DIR]``; ``make test`` runs 20 s of it (``tests/test_soak.py``). The
measured run, its lines and what they show: ``bench/soak/README.md``.
"""
