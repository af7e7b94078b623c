"""Idefics2-style connector (modality projection + Perceiver Resampler) and its training job."""
