"""One of two JAX processes of ``test_jax.py``'s multi-process run (2 virtual CPU devices each, 4 in
all): ``python _jax_multiprocess_worker.py PROCESS_ID PORT OUT_DIR``. Joins through
``kerafront.distribution.initialize`` (``jax.distributed.initialize``), trains ``_jax_worker``'s
model under ``DataParallel`` on the 4 global devices with the same global data in both processes,
and writes ``OUT_DIR/process<i>.npz``; a ``ModelCheckpoint`` may write ``OUT_DIR/ckpt<i>.keras``
(only the chief's should appear).
"""

import os
import sys

import numpy as np

import _jax_worker as worker


def main(process_id, port, out):
    import kerafront as keras
    from kerafront import distribution
    distribution.initialize(job_addresses=f"127.0.0.1:{port}", num_processes=2, process_id=process_id)
    results = {"devices": np.array(distribution.list_devices()), "is_chief": np.array(distribution.is_chief())}
    data_parallel = distribution.DataParallel()
    results["process_count"] = np.array([data_parallel.num_processes, data_parallel.num_model_replicas])
    with data_parallel.scope():
        model = worker.build_model(keras)
        checkpoint = keras.callbacks.ModelCheckpoint(os.path.join(out, f"ckpt{process_id}.keras"), monitor="loss")
        x, y = worker.data()
        model.fit(x, y, batch_size=worker.BATCH, epochs=1, shuffle=False, verbose=0, callbacks=[checkpoint])
        results["is_chief_under_distribution"] = np.array(distribution.is_chief())
        results.update({f"run/{k}": v for k, v in worker.train(keras, worker.build_model(keras)).items()})
    np.savez(os.path.join(out, f"process{process_id}.npz"), **results)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], sys.argv[3])
