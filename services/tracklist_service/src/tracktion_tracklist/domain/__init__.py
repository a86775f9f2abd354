"""Pure decisions and data: parsing pages, importing text, matching search results, rendering cue sheets. No I/O."""
