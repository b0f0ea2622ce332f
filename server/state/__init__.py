"""Persistent state: metadata in SQL through SQLAlchemy async (SQLite file or PostgreSQL), blobs in a
local folder, the schema kept by Alembic migrations. Modules: config, db, tables, blobs, files,
datasets; migrations/.
"""
