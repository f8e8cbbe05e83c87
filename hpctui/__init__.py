"""hpctui: SLURM jobs on several clusters, one SSH connection each, from the keyboard."""

__version__ = "0.1.0"
