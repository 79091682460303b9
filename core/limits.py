"""The documented bounds of every input, in one place, and the one way to shorten text.

Every number a file, a payload or the command line gives has a range: clock times lie
within a planning horizon of a few days, sizes, quantities and capacities within what a
city's trade can hold, counts (blocks, orders, couriers, vehicles, workers) within what
the engine can plan in memory.  A value outside its range is refused as bad input
(:class:`core.errors.InvalidInputError`) before it reaches numpy, OR-Tools or a loop
whose length it sets, so extreme numbers (``1e300``, ``2**63``) never become a
traceback or a hang.  The README's "Input limits" section lists these figures.

:func:`shorten` is how an error quotes text it did not write (a line of a file, a path,
a value): at most :data:`MAX_QUOTED_CHARS` characters, the cut marked.
"""

from __future__ import annotations

DAY_S = 86_400
#: Clock times (seconds since the plan's midnight, hours past 23 for the next days) lie
#: within this horizon: a week, room for next-day and multi-day plans and replays.
MAX_CLOCK_S = 7 * DAY_S
#: Durations (service, preparation, promises, lateness caps, ride limits), seconds.
MAX_DURATION_S = 7 * DAY_S
#: Distances the settings give (walking limits, switch penalties), metres.
MAX_DISTANCE_M = 1_000_000.0
#: A line's quantity (units of one SKU).
MAX_QUANTITY = 100_000
#: One unit's weight, kg, and volume, litres.
MAX_UNIT_WEIGHT_KG = 10_000.0
MAX_UNIT_VOLUME_L = 100_000.0
#: A courier's or van's capacity, kg and litres; cold boxes; a pickup point's parcels.
MAX_CAPACITY_KG = 100_000.0
MAX_CAPACITY_L = 1_000_000.0
MAX_COLD_BOXES = 10_000
MAX_PARCELS = 1_000_000
#: Households in one building.
MAX_HOUSEHOLDS = 100_000
#: Money rates and amounts the settings give (yuan per km, hour or second; penalties).
MAX_MONEY = 1_000_000_000.0
#: Factors (detour factor, paid-priority factor).
MAX_FACTOR = 1_000.0
#: Time-dependent travel (issue 13): a speed factor of a period of the day (share of the
#: profile's free-flow speed) and the periods of one profile's day.
MIN_SPEED_FACTOR = 0.1
MAX_SPEED_FACTOR = 2.0
MAX_SPEED_PERIODS = 48

#: Counts of a scenario's lists.
MAX_ORDERS = 200_000
MAX_COURIERS = 20_000
MAX_MEMBERS = 1_000_000
MAX_PLACES = 1_000_000  # per kind (buildings, stores, ...)
MAX_LINES_PER_ORDER = 1_000
MAX_LIST_ITEMS = 1_000  # small lists: skills, opening hours, tiers, closed points
MAX_ID_CHARS = 100
MAX_TEXT_CHARS = 10_000  # names and descriptions

#: Stock (dispatch.stock): units of one SKU at one place, SKUs per place.
MAX_STOCK_UNITS = 10_000_000
MAX_SKUS_PER_PLACE = 100_000

#: A generated city: blocks per side, blocks in all, buildings per block and the memory
#: the city would need (see :func:`geo.citygen.CitySpec.estimated_bytes`).
MAX_CITY_BLOCKS_PER_SIDE = 500
MAX_CITY_BLOCKS = 40_000
MAX_BUILDINGS_PER_BLOCK = 200
MAX_CITY_BYTES = 2 * 1024**3
#: Micro-warehouses of a generated wave or day (`dispatch generate wave/city
#: --warehouses`): one per 50 blocks, so the city stays within MAX_CITY_BLOCKS.
MAX_WAVE_WAREHOUSES = MAX_CITY_BLOCKS // 50

#: Benchmark instance files: locations (the travel matrix is their square), vehicles
#: and the magnitude of any number in them (times, coordinates, demands, capacities).
MAX_INSTANCE_LOCATIONS = 10_000
MAX_INSTANCE_VEHICLES = 10_000
MAX_INSTANCE_NUMBER = 1e9

#: The Grubhub MDRP family: coordinates (metres), times (minutes), pay and speed.
MAX_GRUBHUB_COORD_M = 1e9
MAX_GRUBHUB_MINUTES = MAX_CLOCK_S / 60
MAX_GRUBHUB_RATE = 1e6

#: Command-line options and policies.
MAX_TIME_LIMIT_S = 7 * DAY_S
MAX_ITERATIONS = 100_000_000
MAX_WORKERS = 64
MIN_WAVE_S = 1.0
MAX_SEED = 2**63 - 1

#: Files: bytes read at most, JSON nesting depth at most.
MAX_JSON_BYTES = 256 * 1024**2
MAX_TEXT_FILE_BYTES = 256 * 1024**2
MAX_OSM_BYTES = 1024**3
MAX_JSON_DEPTH = 64

#: Text quoted in an error message: at most this many characters (paths: more).
MAX_QUOTED_CHARS = 120
MAX_QUOTED_PATH_CHARS = 400


def shorten(text: str, limit: int = MAX_QUOTED_CHARS) -> str:
    """``text`` cut to at most ``limit`` characters, the cut marked with how much went.

    Used for every piece of input an error message quotes (a file's line, a path, a
    value's repr), so a megabyte-long line cannot make a megabyte-long message.
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit} more characters)"


def quoted(value: object, limit: int = MAX_QUOTED_CHARS) -> str:
    """``repr(value)`` shortened (see :func:`shorten`); an integer too long to write
    out (Python refuses more than 4,300 digits) is described by its size."""
    try:
        text = repr(value)
    except ValueError:
        size = value.bit_length() if isinstance(value, int) else 0
        return f"<an integer of {size} bits>"
    return shorten(text, limit)
