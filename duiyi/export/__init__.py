"""Writers (TMX, XCES/OPUS XML, Moses, TSV, JSONL) and the TMX reader."""
