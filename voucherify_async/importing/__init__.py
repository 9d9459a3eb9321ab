"""The import batcher, as a pipeline. An order goes through these modules in this order:

- ``sources``: iterables, async iterables and streaming JSON Lines / JSON array / CSV readers;
- ``validation``: every rule the spec states, checked locally; a malformed order becomes a rejection;
- ``chunking``: batches of at most 2000 orders and ``max_batch_bytes``, each order serialised once;
- ``batcher``: ``ImportBatcher``, the preparer and submitter tasks, then per batch ``processing``:
  ``submission`` (pacing, 429s, lost acknowledgements: ``lost_ack``), ``polling`` (the async action),
  ``isolation`` (a 400 only the server could raise) and ``outcome`` (what the action did with each order);
- ``report`` and ``progress``: what the caller learns; ``checkpoint``: the journal a killed run resumes from;
- ``context``: the state one run shares between those steps; ``errors``: what the batcher raises.

The public names are re-exported from ``voucherify_async``.
"""
