"""Pure decisions of the catalog: no files, no database, no bus. Everything here is tested without I/O."""
