"""The demo county's members: names, spreads (gender, age, education, ethnicity) per kind of
branch, flags, identity numbers, their registration and what happened to some of them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from stdnum.cn import ric

from partygraph.demo.base import LoaderBase, Person, Unit, pk
from partygraph.models.member import (
    Education,
    Gender,
    MemberStatus,
)
from partygraph.models.organization import BranchType, Organization
from partygraph.rules.base import add_months
from partygraph.services import member as members

TIBETAN_MALE = [
    "扎西",
    "泽仁",
    "尼玛",
    "多吉",
    "次仁",
    "格桑",
    "罗布",
    "旦增",
    "索朗",
    "益西",
    "贡布",
    "达瓦",
    "登巴",
    "洛桑",
]
TIBETAN_FEMALE = ["卓玛", "拉姆", "央金", "措姆", "德吉", "曲珍", "白珍", "永珍", "卓嘎", "格玛"]
TIBETAN_FIRST = ["泽仁", "格桑", "次仁", "尼玛", "达瓦", "白玛", "益西", "央宗"]

FEMININE_GIVEN_NAMES = ("红霞",)

PHONE_PREFIXES = [
    "38",
    "39",
    "58",
    "59",
    "82",
    "87",
    "88",
    "35",
    "36",
    "37",
    "50",
    "51",
    "52",
    "57",
    "33",
    "53",
    "80",
    "89",
    "99",
    "91",
    "77",
    "73",
]

EXTERNAL_ORGS = [
    ("中共成都市武侯区委组织部", "工作调动"),
    ("中共都江堰市委组织部", "考录公务员，到新单位工作"),
    ("中共茂县县委组织部", "婚嫁迁出"),
    ("中共深圳市宝安区委组织部", "外出务工并定居，组织关系随迁"),
    ("中共绵阳市涪城区委组织部", "随子女迁居"),
    ("中共理县县委组织部", "工作调动"),
    ("中共成都市郫都区委组织部", "升学后留校工作"),
]
FLOW_DESTINATIONS = [
    "四川省成都市武侯区",
    "广东省东莞市长安镇",
    "浙江省宁波市北仑区",
    "新疆维吾尔自治区乌鲁木齐市",
    "四川省成都市郫都区",
    "福建省晋江市",
]

MALE_SHARE = {
    BranchType.village: 0.75,
    BranchType.community: 0.50,
    BranchType.agency: 0.55,
    BranchType.school: 0.42,
    BranchType.hospital: 0.38,
    BranchType.enterprise: 0.70,
    BranchType.two_new: 0.60,
    BranchType.flowing: 0.80,
    BranchType.retired: 0.72,
}

# Age bands (low, high, weight) per branch type.
AGE_BANDS: dict[str, list[tuple[int, int, int]]] = {
    "village": [(20, 35, 17), (36, 50, 26), (51, 60, 22), (61, 75, 24), (76, 92, 11)],
    "village_old": [(61, 75, 60), (76, 92, 40)],
    "village_young": [(20, 35, 30), (36, 50, 40), (51, 60, 30)],
    BranchType.community: [(23, 35, 20), (36, 50, 25), (51, 60, 20), (61, 80, 35)],
    BranchType.agency: [(23, 30, 20), (31, 40, 32), (41, 50, 28), (51, 59, 20)],
    BranchType.school: [(23, 30, 22), (31, 40, 32), (41, 50, 28), (51, 59, 18)],
    BranchType.hospital: [(23, 30, 22), (31, 40, 32), (41, 50, 28), (51, 59, 18)],
    BranchType.enterprise: [(22, 30, 25), (31, 45, 45), (46, 58, 30)],
    BranchType.two_new: [(22, 30, 40), (31, 45, 50), (46, 55, 10)],
    BranchType.flowing: [(20, 30, 35), (31, 45, 50), (46, 55, 15)],
    BranchType.retired: [(60, 70, 35), (71, 80, 40), (81, 92, 25)],
}

E = Education
EDUCATION_WEIGHTS: dict[str, list[tuple[Education, int]]] = {
    "village_old": [(E.primary, 62), (E.junior_high, 30), (E.senior_high, 8)],
    "village_young": [
        (E.junior_high, 30),
        (E.senior_high, 30),
        (E.junior_college, 25),
        (E.bachelor, 15),
    ],
    "village": [
        (E.primary, 28),
        (E.junior_high, 47),
        (E.senior_high, 18),
        (E.junior_college, 6),
        (E.bachelor, 1),
    ],
    "community_old": [
        (E.primary, 25),
        (E.junior_high, 40),
        (E.senior_high, 30),
        (E.junior_college, 5),
    ],
    BranchType.community: [
        (E.junior_high, 20),
        (E.senior_high, 35),
        (E.junior_college, 25),
        (E.bachelor, 20),
    ],
    BranchType.agency: [
        (E.senior_high, 4),
        (E.junior_college, 28),
        (E.bachelor, 58),
        (E.postgraduate, 10),
    ],
    BranchType.school: [(E.junior_college, 20), (E.bachelor, 70), (E.postgraduate, 10)],
    BranchType.hospital: [
        (E.senior_high, 5),
        (E.junior_college, 30),
        (E.bachelor, 55),
        (E.postgraduate, 10),
    ],
    BranchType.enterprise: [
        (E.junior_high, 8),
        (E.senior_high, 25),
        (E.junior_college, 35),
        (E.bachelor, 30),
        (E.postgraduate, 2),
    ],
    BranchType.two_new: [(E.senior_high, 30), (E.junior_college, 40), (E.bachelor, 30)],
    BranchType.flowing: [
        (E.primary, 5),
        (E.junior_high, 45),
        (E.senior_high, 35),
        (E.junior_college, 15),
    ],
    BranchType.retired: [
        (E.primary, 10),
        (E.junior_high, 20),
        (E.senior_high, 30),
        (E.junior_college, 25),
        (E.bachelor, 15),
    ],
}


class MemberSteps(LoaderBase):
    # -- the people -------------------------------------------------------------------------------

    def _people(self, unit: Unit) -> None:
        r = self.rng
        holders: list[Organization] = []
        if unit.groups:
            order = list(range(unit.size))
            r.shuffle(order)
            slots: list[Organization | None] = [None] * unit.size
            for k, i in enumerate(order):
                if k < 2 * len(unit.groups):
                    slots[i] = unit.groups[k % len(unit.groups)]
                elif r.random() < 0.15:
                    slots[i] = unit.org
                else:
                    slots[i] = r.choice(unit.groups)
            holders = [s or unit.org for s in slots]
        else:
            holders = [unit.org] * unit.size
        n_old = -(-unit.size * 62 // 100) if unit.old else 0
        for i, holder in enumerate(holders):
            band = unit.profile.value
            if unit.profile == BranchType.village:
                band = "village_old" if i < n_old else ("village_young" if unit.old else "village")
            person = self._person(unit, holder, band)
            unit.people.append(person)
            self.people.append(person)

    def _person(self, unit: Unit, holder: Organization, band: str) -> Person:
        r = self.rng
        p = unit.profile
        male = r.random() < MALE_SHARE[p]
        bands = AGE_BANDS[band]
        lo, hi, _w = r.choices(bands, weights=[b[2] for b in bands])[0]
        age = r.randint(lo, hi)
        birth = add_months(self.today, -12 * age) - timedelta(days=r.randint(1, 364))
        join_max = max(18, min(age - 2, 55))
        join_age = (
            int(round(r.triangular(18, join_max, min(join_max, 25)))) if join_max > 18 else 18
        )
        joined = add_months(birth, 12 * join_age) + timedelta(days=r.randint(1, 300))
        q, t, h = unit.ethnic
        x = r.random()
        ethnicity = (
            "羌族" if x < q else "藏族" if x < q + t else "回族" if x < q + t + h else "汉族"
        )
        if ethnicity == "藏族" and r.random() < 0.6:
            name = (
                "".join(r.sample(TIBETAN_MALE, 2))
                if male
                else (r.choice(TIBETAN_FIRST) + r.choice(TIBETAN_FEMALE))
            )
        else:
            name = self.fake.last_name() + self._given_name(male)
        occupation, front_line, rural = self._work(p, age)
        phone = None
        if r.random() < (0.5 if age > 80 else 0.93):
            phone = "1" + r.choice(PHONE_PREFIXES) + f"{r.randint(0, 99_999_999):08d}"
        fields: dict[str, Any] = {
            "name": name,
            "gender": (Gender.male if male else Gender.female).value,
            "ethnicity": ethnicity,
            "birth_date": birth,
            "education": self._education(p, band, age).value,
            "occupation": occupation,
            "front_line": front_line,
            "rural": rural,
            "joined_on": joined,
            "converted_on": add_months(joined, 12),
            "phone": phone,
        }
        return Person(unit=unit, holder=holder, age=age, fields=fields)

    def _given_name(self, male: bool) -> str:
        if not male:
            return self.fake.first_name_female()
        given = self.fake.first_name_male()
        while given in FEMININE_GIVEN_NAMES:  # faker's zh_CN male list holds a few
            given = self.fake.first_name_male()
        return given

    def _education(self, p: BranchType, band: str, age: int) -> Education:
        if p == BranchType.village:
            key = "village_old" if age > 60 else "village_young" if age <= 35 else "village"
        elif p == BranchType.community and age > 60:
            key = "community_old"
        else:
            key = p.value
        table = EDUCATION_WEIGHTS[key]
        return self.rng.choices([e for e, _ in table], weights=[w for _, w in table])[0]

    def _work(self, p: BranchType, age: int) -> tuple[str, bool, bool]:
        r = self.rng
        if p == BranchType.village:
            if age <= 40 and r.random() < 0.2:
                return "外出务工人员", True, True
            return "农牧渔民", age < 70, True
        if p == BranchType.community:
            if age > 60:
                return "离退休人员", False, False
            return r.choice(
                [("社区工作者", False, False), ("个体工商户", True, False), ("工人", True, False)]
            )
        if p == BranchType.agency:
            return "党政机关工作人员", False, False
        if p == BranchType.school:
            return "专业技术人员（教师）", True, False
        if p == BranchType.hospital:
            return "专业技术人员（医务人员）", True, False
        if p == BranchType.enterprise:
            return r.choices(
                [
                    ("工人", True, False),
                    ("企业管理人员", False, False),
                    ("专业技术人员", True, False),
                ],
                weights=[60, 25, 15],
            )[0]
        if p == BranchType.two_new:
            return r.choice([("非公有制企业员工", True, False), ("社会组织工作人员", False, False)])
        if p == BranchType.flowing:
            return "外出务工人员", True, True
        return "离退休人员", False, False

    def _flags(self) -> None:
        """Probationary members, pre-1949 veterans, flowing, lost contact, in difficulty."""
        self._probationary()
        self._veterans()
        self._flowing_workers()
        self._lost_contact()
        self._in_difficulty()

    def _probationary(self) -> None:
        """About 2.5% of the members joined within the year, at most two per branch, in
        branches big enough to have admitted them."""
        r = self.rng
        per_unit: dict[str, int] = {}
        candidates = [
            p
            for p in self.people
            if p.age <= 40 and not p.unit.design and not p.unit.old and p.unit.size >= 8
        ]
        n_prob = max(1, round(0.025 * len(self.people)))
        for p in r.sample(candidates, min(n_prob * 2, len(candidates))):
            if n_prob <= 0:
                break
            key = p.unit.org.code
            if per_unit.get(key, 0) >= 2:
                continue
            per_unit[key] = per_unit.get(key, 0) + 1
            n_prob -= 1
            p.status = MemberStatus.probationary.value
            p.fields["joined_on"] = self.today - timedelta(days=r.randint(15, 350))
            p.fields["converted_on"] = None

    def _veterans(self) -> None:
        """Veterans who joined before the People's Republic (建国前老党员)."""
        r = self.rng
        veterans = [
            p
            for p in self.people
            if p.status == MemberStatus.full.value
            and p.age >= 80
            and p.unit.profile in (BranchType.village, BranchType.retired)
            and not p.unit.design
        ]
        for p in r.sample(veterans, min(5, len(veterans))):
            birth = date(r.randint(1925, 1929), r.randint(1, 12), r.randint(1, 28))
            earliest = max(add_months(birth, 12 * 18) + timedelta(days=1), date(1945, 1, 1))
            span = (date(1949, 9, 30) - earliest).days
            if span <= 0:
                continue
            joined = earliest + timedelta(days=r.randint(0, span))
            p.fields.update(
                birth_date=birth,
                joined_on=joined,
                converted_on=add_months(joined, 12),
                education=Education.primary.value,
                front_line=False,
            )
            p.age = self.today.year - birth.year
            p.fields["notes"] = "建国前入党的老党员"
            p.busy = True

    def _pick(self, pool: list[Person], n: int) -> list[Person]:
        """Up to n people drawn from the pool, kept out of later picks."""
        chosen = self.rng.sample(pool, min(n, len(pool)))
        for p in chosen:
            p.busy = True
        return chosen

    def _full_since(self, p: Person, years: int) -> bool:
        conv = p.fields["converted_on"]
        return (
            p.status == MemberStatus.full.value
            and conv is not None
            and conv <= add_months(self.today, -12 * years)
        )

    def _flowing_workers(self) -> None:
        """Six rural members working away with a flowing certificate."""
        r = self.rng
        workers = [
            p
            for p in self.people
            if not p.busy
            and self._full_since(p, 1)
            and 22 <= p.age <= 50
            and p.unit.profile in (BranchType.village, BranchType.flowing)
            and not p.unit.design
        ]
        for i, p in enumerate(self._pick(workers, 6)):
            p.fields.update(
                flowing=True,
                flow_destination=FLOW_DESTINATIONS[i % len(FLOW_DESTINATIONS)],
                flow_certificate=f"川阿流{self.today.year - r.randint(0, 2)}{r.randint(1, 999):04d}",
                occupation="外出务工人员",
            )

    def _lost_contact(self) -> None:
        """Three village members out of touch: the first will be suspended; the others
        are only flagged."""
        r = self.rng
        lost = [
            p
            for p in self.people
            if not p.busy
            and self._full_since(p, 4)
            and 25 <= p.age <= 55
            and p.unit.profile == BranchType.village
            and not p.unit.design
            and not p.unit.old
            and p.unit.size >= 12
        ]
        self.lost = self._pick(lost, 3)
        for i, p in enumerate(self.lost):
            p.fields["lost_contact_since"] = self.today - timedelta(
                days=r.randint(800, 1100) if i == 0 else r.randint(200, 500)
            )
            p.fields["notes"] = "外出后与党组织失去联系，多次联系未果"
            p.unit.touched = True

    def _in_difficulty(self) -> None:
        """Twenty older rural or retired members in difficulty."""
        needy = [
            p
            for p in self.people
            if p.age >= 55 and p.unit.profile in (BranchType.village, BranchType.retired)
        ]
        for p in self.rng.sample(needy, min(20, len(needy))):
            p.fields["in_difficulty"] = True

    def _id_numbers(self) -> None:
        r = self.rng
        for p in self.people:
            if r.random() < (0.10 if p.age > 85 else 0.025):
                continue  # no ID number on file (old paper records)
            if p.unit.profile in (BranchType.village, BranchType.community, BranchType.flowing):
                area = r.choices(["513221", "513223", "513222"], weights=[92, 4, 4])[0]
            else:
                area = r.choices(
                    ["513221", "513223", "513222", "513224", "513228", "513226"],
                    weights=[70, 8, 7, 5, 5, 5],
                )[0]
            male = p.fields["gender"] == Gender.male.value
            for _ in range(20):
                seq = r.randint(0, 499) * 2 + (1 if male else 0)  # odd: male, even: female
                body = f"{area}{p.fields['birth_date']:%Y%m%d}{seq:03d}"
                # GB 11643 check digit; the area codes above are valid for every birth year.
                number = body + ric.calc_check_digit(body + "0")
                if number not in self.id_numbers:
                    self.id_numbers.add(number)
                    p.fields["id_number"] = number
                    break

    def _register(self) -> None:
        total = len(self.people)
        for i, p in enumerate(self.people):
            m = members.register(self.ctx, org_id=pk(p.holder), status=p.status, **p.fields)
            p.member = m
            if self.progress is not None and (i + 1) % 100 == 0:
                self.progress(i + 1, total)

    # -- what happened to some of them ------------------------------------------------------------

    def _leavers(self, pred: Callable[[Person], bool], n: int) -> list[Person]:
        pool = [
            p
            for p in self.people
            if not p.busy
            and p.status == MemberStatus.full.value
            and not p.unit.touched
            and not p.unit.design
            and not p.unit.old
            and p.unit.size >= 10
            and pred(p)
        ]
        self.rng.shuffle(pool)
        out: list[Person] = []
        for p in pool:
            if len(out) >= n:
                break
            if p.unit.touched:
                continue
            p.unit.touched = True
            p.busy = True
            out.append(p)
        return out

    def _statuses(self) -> None:
        r = self.rng
        for p in self._leavers(
            lambda p: p.age >= 75 and p.unit.profile in (BranchType.village, BranchType.retired), 8
        ):
            on = self._days_ago(20, 700, not_before=p.fields["converted_on"])
            members.change_status(
                self.ctx,
                p.mid,
                to_status=MemberStatus.deceased.value,
                on=on,
                reason=r.choice(["病故", "因病医治无效去世", "年老病逝"]),
                version=None,
            )
            p.status = MemberStatus.deceased.value
        out = self._leavers(
            lambda p: (
                22 <= p.age <= 45
                and p.unit.profile
                in (BranchType.village, BranchType.agency, BranchType.hospital, BranchType.school)
            ),
            6,
        )
        for i, p in enumerate(out):
            org_name, reason = EXTERNAL_ORGS[i % len(EXTERNAL_ORGS)]
            on = self._days_ago(20, 600, not_before=p.fields["converted_on"])
            members.transfer_out(
                self.ctx,
                p.mid,
                external_org_name=org_name,
                letter_number=self._letter(on),
                on=on,
                reason=reason,
                version=None,
            )
            p.status = MemberStatus.transferred_out.value
        if self.lost:
            p = self.lost[0]
            on = self._days_ago(100, 300, not_before=p.fields["lost_contact_since"])
            members.change_status(
                self.ctx,
                p.mid,
                to_status=MemberStatus.suspended.value,
                on=on,
                reason="与党组织失去联系超过六个月，经支部党员大会讨论，停止其党籍",
                version=None,
            )
            p.status = MemberStatus.suspended.value

    def _pending_transfer(self) -> None:
        """One member on the way from the township's second village to its first: the handshake."""
        first, second = self.villages[0], self.villages[1]
        pool = [
            p
            for p in second.people
            if not p.busy and p.status == MemberStatus.full.value and 24 <= p.age <= 45
        ]
        if not pool:
            pool = [p for p in second.people if not p.busy and p.status == MemberStatus.full.value]
        if not pool:
            return
        p = self.rng.choice(pool)
        p.busy = True
        on = self.today - timedelta(days=6)
        members.send_transfer(
            self.ctx,
            p.mid,
            to_org_code=first.org.code,
            on=on,
            reason="婚嫁迁入本村，组织关系随户籍转入",
            letter_number=self._letter(on),
        )
