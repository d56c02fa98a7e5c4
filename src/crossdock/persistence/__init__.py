"""The database side: tables, repositories, unit of work and migrations."""
