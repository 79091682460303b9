"""Where things are and how long it takes to get between them.

Places, travel profiles, WGS-84/GCJ-02/BD-09 conversions, local metric frames, road
networks from OpenStreetMap or a procedural city, travel matrices (straight line or
road network via scipy's csgraph, cached on disk), isochrones, pickup-point coverage
and nearest-place lookups.  Coordinates are WGS-84 (lon, lat) degrees throughout.
"""

from geo.areas import NearestIndex as NearestIndex
from geo.areas import buildings_covered as buildings_covered
from geo.areas import isochrone as isochrone
from geo.citygen import City as City
from geo.citygen import CitySpec as CitySpec
from geo.citygen import generate_city as generate_city
from geo.coords import bd09_to_gcj02 as bd09_to_gcj02
from geo.coords import bd09_to_wgs84 as bd09_to_wgs84
from geo.coords import gcj02_to_bd09 as gcj02_to_bd09
from geo.coords import gcj02_to_wgs84 as gcj02_to_wgs84
from geo.coords import wgs84_to_bd09 as wgs84_to_bd09
from geo.coords import wgs84_to_gcj02 as wgs84_to_gcj02
from geo.matrix import TravelMatrix as TravelMatrix
from geo.matrix import road_matrix as road_matrix
from geo.matrix import straight_line_matrix as straight_line_matrix
from geo.matrix_cache import MatrixCache as MatrixCache
from geo.matrix_cache import road_matrix_cached as road_matrix_cached
from geo.osm import read_osm as read_osm
from geo.osm_places import read_osm_places as read_osm_places
