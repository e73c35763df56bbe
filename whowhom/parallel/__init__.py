"""Parallel coding: all cores of one machine (worker processes) or a Ray cluster (actors).

`whowhom.parallel.run.iter_coded` is the entry point from Python; `whowhom code --workers N`,
`--engine ray` and `-o FOLDER/` (Parquet shards) from the command line. See docs/scale.md.
Nothing heavy is imported here: Ray and spaCy load only when a run starts.
"""
