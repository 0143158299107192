"""The example file of each import, as README.md quotes them and the import
pages offer them as templates. Each one imports into the demo académie
(`seed_demo`, session « Session 2027 »): `tests/missions/test_import_examples.py`
proves it, so README.md must quote these texts verbatim.
"""

from __future__ import annotations

from accounts.imports import COMMUNES_EXAMPLE, ESTABLISHMENTS_EXAMPLE

CENTRES_EXAMPLE = """code;nom;adresse;commune;uai
C-ROUEN-CORNEILLE;Lycée Pierre-Corneille;4 rue du Maulévrier, 76000 Rouen;76540;0760090D
C-EVREUX-PARC;Parc des expositions;1 rue du Parc, 27000 Évreux;27229;
"""

EXAMS_EXAMPLE = """examen;nom_examen;nature;taux_copie;taux_oral;epreuve;intitule;discipline;nom_discipline;forme;minutes_candidat
BACGEN;Baccalauréat général;diplome;5;3;PHILO;Philosophie;PHILO;;ecrit;
BACGEN;;;;;HIST-GEO;Histoire-géographie;HISTGEO;Histoire-géographie;ecrit;
BTS-CG;;;;;E5;Situations de contrôle de gestion;ECOGEST;;oral;30
"""  # noqa: E501 (a file's row is one line)

PARTICIPANTS_EXAMPLE = """email;nom;prenom;type;identifiant;numero_intervenant;etablissement;commune;telephone;categorie;limite_missions;competences
enseignant@academie-demo.invalid;Durand;Paul;agent;enseignant;;0760090D;76540;;;6;BACGEN/PHILO|BACGEN/SPE-MATHS
marie.lefebvre@academie-demo.invalid;Lefebvre;Marie;agent;;A0001234;0760054P;76351;02 35 11 22 33;;;BACGEN/GRAND-ORAL
jean.petit@exemple.invalid;Petit;Jean;exterieur;;;;27229;06 12 34 56 78;B;3;BTS-CG/E4
"""  # noqa: E501 (a file's row is one line)

# The missions' import (`missions.imports`, a centre code the demo has).
MISSIONS_EXAMPLE = """examen;epreuve;type;centre;debut;fin;volume;besoin
BACGEN;PHILO;CORRECTION;C-ROUEN-CORNEILLE;15/06/2027 08:00;15/06/2027 12:00;120;2
"""

# In the order a deployment imports them: each file may name what the
# previous ones created.
EXAMPLES = {
    "communes": COMMUNES_EXAMPLE,
    "etablissements": ESTABLISHMENTS_EXAMPLE,
    "centres": CENTRES_EXAMPLE,
    "examens": EXAMS_EXAMPLE,
    "intervenants": PARTICIPANTS_EXAMPLE,
    "missions": MISSIONS_EXAMPLE,
}
