"""Pure analysis logic: tempo fitting and octave choice, keys and their notations, mood, timelines. No I/O."""
