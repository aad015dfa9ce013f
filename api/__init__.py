"""The facilitator service: FastAPI app (:mod:`api.main`), store (:mod:`api.store`),
accounts and region scoping. See docs/service.md."""
