"""One of the processes ``test_tensorflow.py`` starts for a multi-worker run on 127.0.0.1:
``python _tf_multiworker_worker.py OUT_DIR PROCESS_ID ADDRESSES``. It joins the run
(``MultiWorkerMirroredStrategy`` through ``kerafront.distribution.initialize``), trains the JAX worker's
model under ``DataParallel`` on the same global batches as every other worker, and writes its results
to ``OUT_DIR/worker<PROCESS_ID>.npz``; only the chief writes the checkpoint.
"""

import os
import sys

import numpy as np

from _jax_worker import build_model, train


def main(out, process_id, addresses):
    from kerafront import distribution
    distribution.initialize(job_addresses=addresses, num_processes=len(addresses.split(",")),
                            process_id=int(process_id))
    import kerafront as keras
    results = {"devices": np.array(distribution.list_devices()), "is_chief": np.array(distribution.is_chief())}
    with distribution.DataParallel().scope():
        model = build_model(keras)
        results.update({f"dp/{k}": v for k, v in train(keras, model).items()})
        checkpoint = keras.callbacks.ModelCheckpoint(os.path.join(out, f"ckpt{process_id}.keras"))
        model.fit(*__import__("_jax_worker").data(), batch_size=8, epochs=1, shuffle=False, verbose=0,
                  callbacks=[checkpoint])
    np.savez(os.path.join(out, f"worker{process_id}.npz"), **results)


if __name__ == "__main__":
    main(*sys.argv[1:])
