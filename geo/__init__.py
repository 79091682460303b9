"""Package."""

from geo.areas import NearestIndex as NearestIndex
from geo.areas import buildings_covered as buildings_covered
from geo.areas import isochrone as isochrone
from geo.citygen import City as City
from geo.citygen import CitySpec as CitySpec
from geo.citygen import generate_city as generate_city
from geo.matrix import TravelMatrix as TravelMatrix
from geo.matrix import road_matrix as road_matrix
from geo.matrix import straight_line_matrix as straight_line_matrix
from geo.matrix_cache import MatrixCache as MatrixCache
from geo.matrix_cache import road_matrix_cached as road_matrix_cached
from geo.osm import read_osm as read_osm
