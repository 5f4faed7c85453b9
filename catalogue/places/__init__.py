"""The register of German places (Destatis GV-ISys) and the map outlines (BKG VG5000).

Only this package knows geometry: distances, nearby places, outlines and maps.
"""
