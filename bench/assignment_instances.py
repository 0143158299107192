"""A synthetic, realistic session for the assignment solver's benchmark.

20 disciplines of Zipf-like sizes, 2 or 3 épreuves each (written, oral,
sometimes practical); 12 days (24 half-days); communes clustered around 8
towns on a 150 x 150 km territory; participants with 1 to 3 épreuves (15 %
with a second discipline), available on about 70 % of the half-days, a cap of
1 to 5 missions, some preferred centres and past épreuves; missions of one
half-day to two days with 2 to 20 places; 5 % of the places already held
(some breaking a rule: a manager's override) and a few people busy on other
exams. Deterministic for a seed.
"""

from __future__ import annotations

import random

from missions.solver import Fixed, Mission, Participant

DISCIPLINES = [
    "lettres",
    "mathématiques",
    "philosophie",
    "histoire-géographie",
    "anglais",
    "espagnol",
    "allemand",
    "SVT",
    "physique-chimie",
    "SES",
    "économie-gestion",
    "arts plastiques",
    "musique",
    "EPS",
    "italien",
    "NSI",
    "sciences de l'ingénieur",
    "biotechnologies",
    "STMG management",
    "hôtellerie",
]
DAY = 24 * 60
DAYS = 12  # two weeks, Monday to Saturday
HALF_DAYS = DAYS * 2


def half_days_of(start: int, end: int) -> tuple[int, ...]:
    """The half-days [start, end) covers: morning until noon, then afternoon."""
    out = []
    for d in range(start // DAY, (end - 1) // DAY + 1):
        mid = d * DAY + 12 * 60
        if start < mid and end > d * DAY:
            out.append(2 * d)
        if start < (d + 1) * DAY and end > mid:
            out.append(2 * d + 1)
    return tuple(out)


def generate(
    n_participants: int,
    n_missions: int,
    seed: int = 1,
    invigilation_share: float = 0.0,
    fixed_share: float = 0.05,
) -> tuple[list[Participant], list[Mission], list[Fixed]]:
    rnd = random.Random(seed)
    towns = [(rnd.uniform(10, 140), rnd.uniform(10, 140)) for _ in range(8)]
    communes = []
    for _ in range(max(30, n_participants // 15)):
        tx, ty = rnd.choice(towns)
        communes.append((tx + rnd.gauss(0, 15), ty + rnd.gauss(0, 15)))
    n_estab = max(10, n_participants // 12)
    estab_commune = [rnd.randrange(len(communes)) for _ in range(n_estab)]
    n_centres = max(5, n_missions // 12)
    centres: list[tuple[tuple[float, float], int | None]] = []
    for _ in range(n_centres):
        if rnd.random() < 0.75:
            e = rnd.randrange(n_estab)
            centres.append((communes[estab_commune[e]], e))
        else:
            centres.append((rnd.choice(communes), None))

    weights = [1 / (k + 1) ** 0.8 for k in range(len(DISCIPLINES))]
    epreuves = []  # (discipline index, form)
    for d in range(len(DISCIPLINES)):
        forms = ["written", "oral"] + (["practical"] if rnd.random() < 0.3 else [])
        for f in forms:
            epreuves.append((d, f))
    ep_by_disc = {
        d: [e for e, (dd, _) in enumerate(epreuves) if dd == d]
        for d in range(len(DISCIPLINES))
    }

    participants = []
    for pid in range(n_participants):
        d = rnd.choices(range(len(DISCIPLINES)), weights)[0]
        own = ep_by_disc[d]
        k = rnd.choices([1, 2, 3], [0.3, 0.45, 0.25])[0]
        comp = set(rnd.sample(own, min(k, len(own))))
        if rnd.random() < 0.15:  # a second discipline
            d2 = rnd.choices(range(len(DISCIPLINES)), weights)[0]
            comp.add(rnd.choice(ep_by_disc[d2]))
        rate = min(0.98, max(0.2, rnd.gauss(0.7, 0.15)))
        avail = set()
        for day in range(DAYS):
            if rnd.random() < 0.08:  # a whole day off
                continue
            for h in (0, 1):
                if rnd.random() < rate / 0.92:
                    avail.add(2 * day + h)
        e = rnd.randrange(n_estab)
        cx, cy = communes[estab_commune[e]]
        home = (cx + rnd.gauss(0, 8), cy + rnd.gauss(0, 8))
        cap = rnd.choices([1, 2, 3, 4, 5], [0.1, 0.2, 0.3, 0.25, 0.15])[0]
        prefs = frozenset(rnd.sample(range(n_centres), rnd.choice([0, 0, 1, 2])))
        hist = frozenset(x for x in comp if rnd.random() < 0.4)
        participants.append(
            Participant(
                id=pid,
                x_km=home[0],
                y_km=home[1],
                establishment=e,
                competences=frozenset(comp),
                available=frozenset(avail),
                cap=cap,
                preferred_centres=prefs,
                history=hist,
                name=f"P{pid}",
            )
        )

    missions = []
    day_names = [f"le {d + 1} juillet" for d in range(DAYS)]
    for mid in range(n_missions):
        ep: int | None
        if rnd.random() < invigilation_share:
            ep, form, label = None, "written", "surveillants"
        else:
            d = rnd.choices(range(len(DISCIPLINES)), weights)[0]
            ep = rnd.choice(ep_by_disc[d])
            form = epreuves[ep][1]
            role = "correcteurs" if form == "written" else "examinateurs"
            label = f"{role} de {DISCIPLINES[d]}"
        day = rnd.randrange(DAYS)
        length = rnd.choices([1, 2, 3, 4], [0.45, 0.3, 0.1, 0.15])[0]
        if day * 2 + length > HALF_DAYS:
            day = (HALF_DAYS - length) // 2
        first = 2 * day + (int(rnd.random() < 0.4) if length % 2 else 0)
        # 8:00 or 13:30, sometimes 10:00 or 15:30; ends 12:00, 17:00 or 18:00.
        s_day, s_half = divmod(first, 2)
        start = s_day * DAY + (13 * 60 + 30 if s_half else 8 * 60)
        if rnd.random() < 0.15:
            start += 120
        e_day, e_half = divmod(first + length - 1, 2)
        end = e_day * DAY + (rnd.choice([17 * 60, 18 * 60]) if e_half else 12 * 60)
        if end <= start:
            end = start + 120
        c = rnd.randrange(n_centres)
        places = min(20, max(2, int(rnd.triangular(2, 20, 4))))
        missions.append(
            Mission(
                id=mid,
                epreuve=ep,
                oral=form in ("oral", "practical"),
                centre=c,
                centre_establishment=centres[c][1],
                cx_km=centres[c][0][0],
                cy_km=centres[c][0][1],
                start=start,
                end=end,
                half_days=half_days_of(start, end),
                places=places,
                label=label,
                day_label=day_names[s_day],
            )
        )

    # Assignments already there (some break a rule: overrides), and people
    # busy on missions outside the selection (other exams).
    fixed = []
    taken = set()
    for m in missions:
        for _ in range(m.places):
            if rnd.random() < fixed_share:
                p = rnd.choice(participants)
                if (p.id, m.id) not in taken:
                    taken.add((p.id, m.id))
                    fixed.append(Fixed(p.id, m.id, m.start, m.end, m.epreuve))
    for k in range(int(n_participants * 0.05)):
        p = rnd.choice(participants)
        day = rnd.randrange(DAYS)
        start = day * DAY + 8 * 60
        fixed.append(Fixed(p.id, 10**6 + k, start, start + 4 * 60, None))
    return participants, missions, fixed
