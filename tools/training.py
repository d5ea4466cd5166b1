"""What the training scripts (train_recall.py, train_digits.py, train_lm.py) share: the options
that fix a run (seed, checkpoint, thread count) and the start that applies them."""
import os

import torch


def add_run_args(ap, threads=2):
    """--seed, --checkpoint and --threads on the argparse parser `ap`."""
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--checkpoint", help="trained weights: saved after training; if the file "
                    "exists, loaded instead of training (re-export only)")
    ap.add_argument("--threads", type=int, default=threads)


def start(a):
    """Fixes torch's thread count and seed from the parsed options (deterministic on one machine)."""
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)


def restore(model, a):
    """Loads the trained weights from --checkpoint when that file exists (re-export without
    training); True if it did."""
    if a.checkpoint and os.path.exists(a.checkpoint):
        model.load_state_dict(torch.load(a.checkpoint))
        return True
    return False


def optimizer_step(model, opt, sched, loss):
    """One training step on `loss`: gradients clipped to norm 1, then the optimizer and the
    learning-rate schedule advanced."""
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    sched.step()
