"""Everything that touches essentia, files or processes; foreign errors are translated to tracktion's here."""
