"""Training callbacks (Keras's names and arguments)."""

from kerafront.callbacks.backup_and_restore import BackupAndRestore
from kerafront.callbacks.callback import Callback, CallbackList
from kerafront.callbacks.checkpoint import ModelCheckpoint
from kerafront.callbacks.early_stopping import EarlyStopping
from kerafront.callbacks.history import History
from kerafront.callbacks.learning_rate import LearningRateScheduler, ReduceLROnPlateau
from kerafront.callbacks.misc import CSVLogger, LambdaCallback, TerminateOnNaN
from kerafront.callbacks.progbar import ProgbarLogger
from kerafront.callbacks.remote_monitor import RemoteMonitor
from kerafront.callbacks.swap_ema_weights import SwapEMAWeights

__all__ = ["BackupAndRestore", "Callback", "CallbackList", "CSVLogger", "EarlyStopping", "History", "LambdaCallback",
           "LearningRateScheduler", "ModelCheckpoint", "ProgbarLogger", "ReduceLROnPlateau", "RemoteMonitor",
           "SwapEMAWeights", "TerminateOnNaN"]
