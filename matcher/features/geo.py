"""Geography: great-circle distance between a block of UMKM and all firms."""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Pairwise distances (len(lat1), len(lat2)) in km; inputs in degrees."""
    p1, l1 = (
        np.radians(np.asarray(lat1, float))[:, None],
        np.radians(np.asarray(lon1, float))[:, None],
    )
    p2, l2 = (
        np.radians(np.asarray(lat2, float))[None, :],
        np.radians(np.asarray(lon2, float))[None, :],
    )
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
    return (2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))).astype(np.float32)
