"""The import batcher, as a pipeline: sources, validation, chunking, submit and poll, report."""
