#!/usr/bin/env python3
"""Generate the reference tables used by sen-calendar's tests.

How the committed files were produced (Python 3.11):

    python3 -m venv /tmp/venv && . /tmp/venv/bin/activate
    pip install ephem==4.2.1 lunar-vn==1.4.0
    cd crates/sen-calendar/tests/data && python3 gen.py

It writes two files next to itself:

* ``tet_hung_1900_2100.csv`` -- ``year,tet,hung_kings``: the 1st day of the 1st
  lunar month and the 10th day of the 3rd lunar month, years 1900..=2100.
* ``lunar_months_1900_2100.csv`` -- ``lunar_year,month,leap,first_day,first_day_ephemeris``:
  every lunar month that begins between 1900-01-01 and 2100-12-31.

Two implementations, both independent of the Rust code under test:

1. ``ephemeris``: the rules of the Vietnamese calendar applied, in this file, to
   PyEphem's astronomy (VSOP87 / ELP-2000 via libastro, delta-T applied), with
   the civil day taken in UTC+7.  It shares no formula with Hồ Ngọc Đức's
   algorithm: a month begins on the local day of the astronomical new moon;
   month 11 is the month containing the December solstice; in a year with 13
   months between two months 11, the first month without a major solar term
   (sun longitude crossing a multiple of 30°) is the leap month and takes the
   number of the month before it.
2. ``lunar-vn`` (PyPI, MIT, by thongbui): a third-party Python port of Hồ Ngọc
   Đức's published algorithm, called with time_zone=7.0.

The Tết / Hùng Kings table is written only if both implementations agree on
every year (they do).  For months, the ``first_day`` column is Hồ Ngọc Đức's
algorithm (what sen-calendar implements); ``first_day_ephemeris`` is the
ephemeris answer.  They differ on exactly three months in 1900-2100, where a
new moon falls within minutes of local midnight and the algorithm's truncated
series land on the other side of it; the Rust test pins that list.
"""

import datetime as dt
import math
import os

import ephem
from lunar_vn import core as hnd

TZ = 7.0  # Vietnam, UTC+7
FIRST = dt.date(1900, 1, 1)
LAST = dt.date(2100, 12, 31)
EPHEM_EPOCH_JD = 2415020.0  # ephem.Date(0) == 1899-12-31 12:00 UT == JD 2415020.0
HERE = os.path.dirname(os.path.abspath(__file__))


def jdn(d):
    return d.toordinal() + 1721425


def from_jdn(j):
    return dt.date.fromordinal(j - 1721425)


def local_jdn(edate):
    """Julian day number of the civil (UTC+7) day containing an ephem instant."""
    return math.floor(float(edate) + EPHEM_EPOCH_JD + 0.5 + TZ / 24)


def local_midnight(day_jdn):
    """ephem instant of 00:00 UTC+7 at the start of the given civil day."""
    return ephem.Date(day_jdn - 0.5 - TZ / 24 - EPHEM_EPOCH_JD)


def sun_sector(day_jdn):
    """Index (0..11) of the 30° arc of apparent solar longitude at local midnight."""
    at = local_midnight(day_jdn)
    sun = ephem.Sun(at)
    lon = ephem.Ecliptic(ephem.Equatorial(sun.ra, sun.dec, epoch=at)).lon
    return int(math.degrees(lon) // 30)


def ephemeris_months():
    """[(lunar_year, month, leap, first_day_jdn)] from late 1898 to early 2102."""
    starts = []
    d = ephem.Date("1898/10/01")
    while d < ephem.Date("2102/03/01"):
        d = ephem.next_new_moon(d)
        starts.append(local_jdn(d))
        d = ephem.Date(d + 1)
    index = {s: i for i, s in enumerate(starts)}

    def month11(year):
        solstice = local_jdn(ephem.next_solstice(ephem.Date(f"{year}/12/01")))
        return max(s for s in starts if s <= solstice)

    months = []
    for year in range(1899, 2102):
        i, j = index[month11(year - 1)], index[month11(year)]
        thirteen = j - i == 13
        leap_done = False
        number = 11
        for k in range(i, j):
            if (thirteen and not leap_done and k > i
                    and sun_sector(starts[k]) == sun_sector(starts[k + 1])):
                leap, leap_done = True, True
            else:
                number = 11 if k == i else number % 12 + 1
                leap = False
            lunar_year = year if number < 11 else year - 1
            months.append((lunar_year, number, leap, starts[k]))
    return months


def hnd_months():
    """Same shape, from lunar-vn's port of Hồ Ngọc Đức's algorithm."""
    months = []
    d = FIRST
    while d <= LAST:
        l = hnd.convert_solar_to_lunar(d.day, d.month, d.year, TZ)
        if l.day == 1:
            months.append((l.year, l.month, bool(l.leap), jdn(d)))
        d += dt.timedelta(days=1)
    return months


def main():
    eph = {(y, m, l): s for (y, m, l, s) in ephemeris_months()}
    hnd_list = hnd_months()
    keys = [(y, m, l) for (y, m, l, _) in hnd_list]
    missing = [k for k in keys if k not in eph]
    assert not missing, f"leap-month structure differs: {missing}"

    with open(os.path.join(HERE, "lunar_months_1900_2100.csv"), "w") as f:
        f.write("lunar_year,month,leap,first_day,first_day_ephemeris\n")
        for (y, m, l, s) in hnd_list:
            f.write(f"{y},{m},{int(l)},{from_jdn(s)},{from_jdn(eph[(y, m, l)])}\n")

    with open(os.path.join(HERE, "tet_hung_1900_2100.csv"), "w") as f:
        f.write("year,tet,hung_kings\n")
        for year in range(1900, 2101):
            tet = from_jdn(eph[(year, 1, False)])
            hung = from_jdn(eph[(year, 3, False)] + 9)
            assert tet == hnd.convert_lunar_to_solar(1, 1, year, False, TZ), year
            assert hung == hnd.convert_lunar_to_solar(10, 3, year, False, TZ), year
            f.write(f"{year},{tet},{hung}\n")

    diffs = sum(1 for (y, m, l, s) in hnd_list if eph[(y, m, l)] != s)
    print(f"{len(hnd_list)} months, {diffs} where the ephemeris differs from HND")


if __name__ == "__main__":
    main()
