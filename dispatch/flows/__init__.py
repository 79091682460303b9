"""One module per fulfilment flow: orders in, a routing (or assignment) problem, plan objects out.

- :mod:`dispatch.flows.instant`: micro-warehouse orders with a promise, soft lateness.
- :mod:`dispatch.flows.multi_store`: a pickup at each store, one delivery, all-or-nothing.
- :mod:`dispatch.flows.scheduled`: delivery inside the chosen slot.
- :mod:`dispatch.flows.next_day`: pickup-point assignment, trunk routes, pick lists,
  leader commissions.
- :mod:`dispatch.flows.home_service`: technicians with skills visiting homes.

:mod:`dispatch.flows.routing` and :mod:`dispatch.flows.delivery` hold what they share.
"""
