"""What the sandbox offers: a handful of real tool names per category, and the
flow page's words in the languages Kombo Connect speaks."""

from __future__ import annotations

from dataclasses import dataclass


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


def find_tool(category: str, tool_id: str) -> SandboxTool | None:
    return next((tool for tool in TOOLS_BY_CATEGORY.get(category, ()) if tool.id == tool_id), None)


def any_tool(tool_id: str) -> SandboxTool | None:
    for tools in TOOLS_BY_CATEGORY.values():
        for tool in tools:
            if tool.id == tool_id:
                return tool
    return None


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
        "setup_help": "Choose what the integration may read, then finish the setup.",
        "scope": "Employees to include",
        "scope_all": "All employees",
        "scope_active": "Active employees only",
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
        "setup_help": "Wählen Sie, was die Integration lesen darf, und schließen Sie die Einrichtung ab.",
        "scope": "Einzubeziehende Mitarbeitende",
        "scope_all": "Alle Mitarbeitenden",
        "scope_active": "Nur aktive Mitarbeitende",
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
        "setup_help": "Choisissez ce que l'intégration peut lire, puis terminez la configuration.",
        "scope": "Employés à inclure",
        "scope_all": "Tous les employés",
        "scope_active": "Employés actifs uniquement",
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
        "setup_help": "Scegli cosa può leggere l'integrazione, poi completa la configurazione.",
        "scope": "Dipendenti da includere",
        "scope_all": "Tutti i dipendenti",
        "scope_active": "Solo dipendenti attivi",
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
        "setup_help": "Elige qué puede leer la integración y termina la configuración.",
        "scope": "Empleados que incluir",
        "scope_all": "Todos los empleados",
        "scope_active": "Solo empleados activos",
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
