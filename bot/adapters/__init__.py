"""Adapters: the edge between a chat platform and the core. Only here is a platform imported."""
