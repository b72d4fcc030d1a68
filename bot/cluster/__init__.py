"""Several ``hamroh run`` instances on one PostgreSQL database.

* :mod:`~bot.cluster.update_order` — each update handled once and in order within its
  chat, whichever instance the load balancer gave it to;
* :mod:`~bot.cluster.shared_budget` — one send budget: the rate is split between the
  live instances and a 429 halt seen by one holds them all;
* :mod:`~bot.cluster.leases` — claimed send-queue rows of a dead instance go back to
  the queue after a lease.

On SQLite (one process) none of this runs: in-memory order and pacing are enough.
"""
