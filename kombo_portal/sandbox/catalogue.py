"""What the sandbox offers: a handful of real tool names per category (the ones
its choose-tool page and `GET /tools/{category}` list), a generic entry for every
other tool of Kombo's list, and the flow page's words in the languages Kombo
Connect speaks."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from kombo_portal.sandbox.kombo_lists import KOMBO_TOOL_IDS


@dataclass(frozen=True)
class SandboxTool:
    id: str
    label: str
    colour: str  # for the generated logo


SANDBOX_TOOL = SandboxTool("sandbox", "Kombo Sandbox", "#3e63dd")

TOOLS_BY_CATEGORY: dict[str, tuple[SandboxTool, ...]] = {
    "HRIS": (
        SandboxTool("personio", "Personio", "#1f2a44"),
        SandboxTool("bamboohr", "BambooHR", "#73c41d"),
        SandboxTool("hibob", "HiBob", "#e4466f"),
        SandboxTool("workday", "Workday", "#0875e1"),
        SandboxTool("factorial", "Factorial", "#ff355e"),
        SANDBOX_TOOL,
    ),
    "ATS": (
        SandboxTool("greenhouse", "Greenhouse", "#24a47f"),
        SandboxTool("lever", "Lever", "#2f3a4a"),
        SandboxTool("workable", "Workable", "#00b2a9"),
        SandboxTool("teamtailor", "Teamtailor", "#f25f7b"),
        SandboxTool("recruitee", "Recruitee", "#1999e3"),
        SANDBOX_TOOL,
    ),
    "ASSESSMENT": (SANDBOX_TOOL,),
    "LMS": (
        SandboxTool("docebo", "Docebo", "#2cb34a"),
        SandboxTool("talentlms", "TalentLMS", "#1c75bc"),
        SandboxTool("moodle", "Moodle", "#f98012"),
        SANDBOX_TOOL,
    ),
}

CATEGORIES = tuple(TOOLS_BY_CATEGORY)
LANGUAGES = ("en", "de", "fr", "it", "es")


# Colours for the generated logos of tools the catalogue does not describe.
GENERIC_COLOURS = ("#3e63dd", "#0d74ce", "#12a594", "#30a46c", "#e5484d", "#d6409f", "#8e4ec6")


def find_tool(category: str, tool_id: str) -> SandboxTool | None:
    """A tool the choose-tool page offers for `category`: the catalogue's only. A
    link that names its tool (create-link's `integration_tool`) may name any tool of
    Kombo's list instead, in any category (see any_tool)."""
    return next((tool for tool in TOOLS_BY_CATEGORY.get(category, ()) if tool.id == tool_id), None)


def any_tool(tool_id: str) -> SandboxTool | None:
    """Any tool of Kombo's list: the catalogue's entry, else a generic one (a name
    made from the id, a generated logo); None for an id Kombo does not list.

    Kombo's create-link takes any of its tool ids whatever the category (its SDK
    ties none to a category), and so does the sandbox."""
    for tools in TOOLS_BY_CATEGORY.values():
        for tool in tools:
            if tool.id == tool_id:
                return tool
    if tool_id not in KOMBO_TOOL_IDS:
        return None
    return generic_tool(tool_id)


def generic_tool(tool_id: str) -> SandboxTool:
    """A readable name from the id ("successfactors" -> "Successfactors") and a
    colour that stays the same for the id."""
    digest = hashlib.sha256(tool_id.encode()).digest()
    return SandboxTool(
        tool_id,
        tool_id[:1].upper() + tool_id[1:],
        GENERIC_COLOURS[digest[0] % len(GENERIC_COLOURS)],
    )


CATEGORY_NAMES = {
    "en": {"HRIS": "HR system", "ATS": "recruiting system", "ASSESSMENT": "assessment tool",
           "LMS": "learning platform"},
    "de": {"HRIS": "HR-System", "ATS": "Recruiting-System", "ASSESSMENT": "Assessment-Tool",
           "LMS": "Lernplattform"},
    "fr": {"HRIS": "SIRH", "ATS": "logiciel de recrutement", "ASSESSMENT": "outil d'évaluation",
           "LMS": "plateforme de formation"},
    "it": {"HRIS": "sistema HR", "ATS": "sistema di selezione", "ASSESSMENT": "strumento di valutazione",
           "LMS": "piattaforma di formazione"},
    "es": {"HRIS": "sistema de RR. HH.", "ATS": "sistema de selección",
           "ASSESSMENT": "herramienta de evaluación", "LMS": "plataforma de formación"},
}  # fmt: skip

# Titles put a category's name where no article or adjective has to agree with it
# (German and Italian give categories different genders: "{category} verbinden").
TEXTS = {
    "en": {
        "title": "Connect your {category}",
        "choose": "Choose the system you use.",
        "sign_in": "Sign in to {tool}",
        "reconnect": "Reconnect {tool}",
        "setup": "Finish setting up {tool}",
        "step_of": "Step {step} of {steps}",
        "filter_step": "Employees to sync",
        "filter_help": "Only the employees you include here are shared through the integration.",
        "filter_scope": "Employees to include",
        "filter_all": "All employees",
        "filter_active": "Active employees only",
        "filter_department": "The employees of one department",
        "filter_legal_entity": "The employees of one legal entity",
        "filter_value": "Department or legal entity (for those two choices)",
        "filter_value_missing": "Enter the name of the department or legal entity.",
        "filter_value_too_long": "Use at most 200 characters for the department or legal entity.",
        "mapping_step": "Field mapping",
        "mapping_help": "Choose the field of {tool} that holds each value.",
        "mapping_employee_number": "Employee number",
        "mapping_cost_center": "Cost centre",
        "mapping_none": "Not mapped",
        "choice_invalid": "Choose one of the options offered.",
        "next": "Next",
        "username": "Username",
        "password": "Password",
        "connect": "Connect",
        "finish_setup": "Finish setup",
        "back": "Back",
        "close": "Close",
        "rejected": "{tool} rejected these credentials. Check them and try again.",
        "missing": "Enter a username and a password.",
        "connected": "Connected",
        "connected_help": "{tool} is connected. You can close this window.",
        "unknown_link": "This link is not valid. Ask for a new one.",
        "expired_link": "This link has expired. Ask for a new one.",
        "used_link": "This link has already been used.",
        "sandbox_note": "Local Kombo sandbox: any username works; the password “fail” is rejected.",
    },
    "de": {
        "title": "{category} verbinden",
        "choose": "Wählen Sie das System, das Sie nutzen.",
        "sign_in": "Bei {tool} anmelden",
        "reconnect": "{tool} neu verbinden",
        "setup": "Einrichtung von {tool} abschließen",
        "step_of": "Schritt {step} von {steps}",
        "filter_step": "Zu synchronisierende Mitarbeitende",
        "filter_help": "Nur die Mitarbeitenden, die Sie hier einbeziehen, werden über die Integration geteilt.",
        "filter_scope": "Einzubeziehende Mitarbeitende",
        "filter_all": "Alle Mitarbeitenden",
        "filter_active": "Nur aktive Mitarbeitende",
        "filter_department": "Die Mitarbeitenden einer Abteilung",
        "filter_legal_entity": "Die Mitarbeitenden einer Gesellschaft",
        "filter_value": "Abteilung oder Gesellschaft (für diese beiden Optionen)",
        "filter_value_missing": "Geben Sie den Namen der Abteilung oder Gesellschaft ein.",
        "filter_value_too_long": "Verwenden Sie höchstens 200 Zeichen für die Abteilung oder Gesellschaft.",
        "mapping_step": "Feldzuordnung",
        "mapping_help": "Wählen Sie das Feld in {tool}, das den jeweiligen Wert enthält.",
        "mapping_employee_number": "Personalnummer",
        "mapping_cost_center": "Kostenstelle",
        "mapping_none": "Nicht zugeordnet",
        "choice_invalid": "Wählen Sie eine der angebotenen Optionen.",
        "next": "Weiter",
        "username": "Benutzername",
        "password": "Passwort",
        "connect": "Verbinden",
        "finish_setup": "Einrichtung abschließen",
        "back": "Zurück",
        "close": "Schließen",
        "rejected": "{tool} hat diese Zugangsdaten abgelehnt. Prüfen Sie sie und versuchen Sie es erneut.",
        "missing": "Geben Sie einen Benutzernamen und ein Passwort ein.",
        "connected": "Verbunden",
        "connected_help": "{tool} ist verbunden. Sie können dieses Fenster schließen.",
        "unknown_link": "Dieser Link ist ungültig. Fordern Sie einen neuen an.",
        "expired_link": "Dieser Link ist abgelaufen. Fordern Sie einen neuen an.",
        "used_link": "Dieser Link wurde bereits verwendet.",
        "sandbox_note": "Lokale Kombo-Sandbox: Jeder Benutzername funktioniert; das Passwort „fail“ wird abgelehnt.",
    },
    "fr": {
        "title": "Connectez votre {category}",
        "choose": "Choisissez le système que vous utilisez.",
        "sign_in": "Se connecter à {tool}",
        "reconnect": "Reconnecter {tool}",
        "setup": "Terminer la configuration de {tool}",
        "step_of": "Étape {step} sur {steps}",
        "filter_step": "Employés à synchroniser",
        "filter_help": "Seuls les employés que vous incluez ici sont partagés via l'intégration.",
        "filter_scope": "Employés à inclure",
        "filter_all": "Tous les employés",
        "filter_active": "Employés actifs uniquement",
        "filter_department": "Les employés d'un service",
        "filter_legal_entity": "Les employés d'une entité juridique",
        "filter_value": "Service ou entité juridique (pour ces deux choix)",
        "filter_value_missing": "Saisissez le nom du service ou de l'entité juridique.",
        "filter_value_too_long": "Utilisez au plus 200 caractères pour le service ou l'entité juridique.",
        "mapping_step": "Correspondance des champs",
        "mapping_help": "Choisissez le champ de {tool} qui contient chaque valeur.",
        "mapping_employee_number": "Matricule",
        "mapping_cost_center": "Centre de coûts",
        "mapping_none": "Non associé",
        "choice_invalid": "Choisissez l'une des options proposées.",
        "next": "Suivant",
        "username": "Nom d'utilisateur",
        "password": "Mot de passe",
        "connect": "Connecter",
        "finish_setup": "Terminer la configuration",
        "back": "Retour",
        "close": "Fermer",
        "rejected": "{tool} a refusé ces identifiants. Vérifiez-les et réessayez.",
        "missing": "Saisissez un nom d'utilisateur et un mot de passe.",
        "connected": "Connecté",
        "connected_help": "{tool} est connecté. Vous pouvez fermer cette fenêtre.",
        "unknown_link": "Ce lien n'est pas valide. Demandez-en un nouveau.",
        "expired_link": "Ce lien a expiré. Demandez-en un nouveau.",
        "used_link": "Ce lien a déjà été utilisé.",
        "sandbox_note": "Sandbox Kombo locale : tout nom d'utilisateur fonctionne ; le mot de passe « fail » est refusé.",
    },
    "it": {
        "title": "Collega: {category}",
        "choose": "Scegli il sistema che usi.",
        "sign_in": "Accedi a {tool}",
        "reconnect": "Ricollega {tool}",
        "setup": "Completa la configurazione di {tool}",
        "step_of": "Passaggio {step} di {steps}",
        "filter_step": "Dipendenti da sincronizzare",
        "filter_help": "Solo i dipendenti che includi qui vengono condivisi tramite l'integrazione.",
        "filter_scope": "Dipendenti da includere",
        "filter_all": "Tutti i dipendenti",
        "filter_active": "Solo dipendenti attivi",
        "filter_department": "I dipendenti di un reparto",
        "filter_legal_entity": "I dipendenti di una persona giuridica",
        "filter_value": "Reparto o persona giuridica (per queste due scelte)",
        "filter_value_missing": "Inserisci il nome del reparto o della persona giuridica.",
        "filter_value_too_long": "Usa al massimo 200 caratteri per il reparto o la persona giuridica.",
        "mapping_step": "Mappatura dei campi",
        "mapping_help": "Scegli il campo di {tool} che contiene ciascun valore.",
        "mapping_employee_number": "Numero di matricola",
        "mapping_cost_center": "Centro di costo",
        "mapping_none": "Non mappato",
        "choice_invalid": "Scegli una delle opzioni proposte.",
        "next": "Avanti",
        "username": "Nome utente",
        "password": "Password",
        "connect": "Collega",
        "finish_setup": "Completa la configurazione",
        "back": "Indietro",
        "close": "Chiudi",
        "rejected": "{tool} ha rifiutato queste credenziali. Controllale e riprova.",
        "missing": "Inserisci un nome utente e una password.",
        "connected": "Collegato",
        "connected_help": "{tool} è collegato. Puoi chiudere questa finestra.",
        "unknown_link": "Questo link non è valido. Richiedine uno nuovo.",
        "expired_link": "Questo link è scaduto. Richiedine uno nuovo.",
        "used_link": "Questo link è già stato usato.",
        "sandbox_note": "Sandbox Kombo locale: qualsiasi nome utente funziona; la password «fail» viene rifiutata.",
    },
    "es": {
        "title": "Conecta tu {category}",
        "choose": "Elige el sistema que usas.",
        "sign_in": "Inicia sesión en {tool}",
        "reconnect": "Vuelve a conectar {tool}",
        "setup": "Termina de configurar {tool}",
        "step_of": "Paso {step} de {steps}",
        "filter_step": "Empleados que sincronizar",
        "filter_help": "Solo los empleados que incluyas aquí se comparten a través de la integración.",
        "filter_scope": "Empleados que incluir",
        "filter_all": "Todos los empleados",
        "filter_active": "Solo empleados activos",
        "filter_department": "Los empleados de un departamento",
        "filter_legal_entity": "Los empleados de una entidad jurídica",
        "filter_value": "Departamento o entidad jurídica (para esas dos opciones)",
        "filter_value_missing": "Introduce el nombre del departamento o de la entidad jurídica.",
        "filter_value_too_long": "Usa como máximo 200 caracteres para el departamento o la entidad jurídica.",
        "mapping_step": "Asignación de campos",
        "mapping_help": "Elige el campo de {tool} que contiene cada valor.",
        "mapping_employee_number": "Número de empleado",
        "mapping_cost_center": "Centro de coste",
        "mapping_none": "Sin asignar",
        "choice_invalid": "Elige una de las opciones ofrecidas.",
        "next": "Siguiente",
        "username": "Nombre de usuario",
        "password": "Contraseña",
        "connect": "Conectar",
        "finish_setup": "Terminar configuración",
        "back": "Atrás",
        "close": "Cerrar",
        "rejected": "{tool} ha rechazado estas credenciales. Revísalas e inténtalo de nuevo.",
        "missing": "Introduce un nombre de usuario y una contraseña.",
        "connected": "Conectado",
        "connected_help": "{tool} está conectado. Puedes cerrar esta ventana.",
        "unknown_link": "Este enlace no es válido. Pide uno nuevo.",
        "expired_link": "Este enlace ha caducado. Pide uno nuevo.",
        "used_link": "Este enlace ya se ha usado.",
        "sandbox_note": "Sandbox local de Kombo: cualquier usuario vale; la contraseña «fail» se rechaza.",
    },
}  # fmt: skip
