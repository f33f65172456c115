"""The registry's name for the one masking function, which lives in common.masking."""

from common.masking import mask, mask_id_numbers

__all__ = ["mask", "mask_id_numbers"]
