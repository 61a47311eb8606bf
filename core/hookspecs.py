"""The plugin contract: every hook a CTC plugin may implement.

Each hook is named ``ctc_*`` and documented here and in ``docs/plugins.md``
(``tests/core/test_docs.py`` fails when a section is missing). Hooks fall in two kinds:

* **start-up hooks** run once per app in :func:`core.create_app`, for every installed
  plugin whatever the centers have switched on (the schema belongs to the installation);
* **per-request hooks** run through ``g.hooks`` (see :mod:`core.plugins`), a proxy built
  with ``pm.subset_hook_caller`` that leaves out the plugins the current center has off.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("ctc")
hookimpl = pluggy.HookimplMarker("ctc")


# --- start-up hooks -------------------------------------------------------------------


@hookspec(firstresult=True)
def ctc_manifest():
    """Describe the plugin.

    Return a :class:`core.plugins.Manifest` (name, English and Khmer title, version,
    ``requires``, summary, ``default_enabled``). Called once per plugin at start-up, before
    any other hook; a plugin without a manifest, or whose manifest names another plugin, is
    a start-up error.
    """


@hookspec
def ctc_models():
    """Return the SQLAlchemy model classes the plugin owns (a list).

    Called once at start-up. Core records which tables belong to which plugin (for the
    cross-center checks and data export) and makes sure they are imported before
    migrations compare the schema with the models.
    """


@hookspec
def ctc_blueprints():
    """Return the Flask blueprints the plugin serves (a list; usually one).

    Called once at start-up. Core registers each blueprint and guards it: for a center
    that has the plugin off, every URL of the blueprint answers 404, and anonymous
    visitors are sent to the login page unless the view is marked :func:`core.auth.public`.
    """


@hookspec
def ctc_migration_locations():
    """Return directories holding the plugin's Alembic revisions (a list of paths).

    Called once at start-up. The plugin's revisions form their own branch (its first
    revision has ``branch_labels=("<plugin name>",)`` and depends on core's base), so a
    pip-installed plugin brings its own schema. ``ctc db upgrade`` brings every branch to
    its head.
    """


@hookspec
def ctc_permissions():
    """Return the permissions the plugin declares (a list of :class:`core.auth.Permission`).

    Called once at start-up. A permission has a code such as ``library.lend``, English and
    Khmer labels and the built-in roles that get it by default. Where the current center has
    the plugin off, its permissions are not granted to anyone there.
    """


@hookspec
def ctc_document_templates():
    """Return directories of Jinja templates for documents (PDF) (a list of paths).

    Called once at start-up. The directories are added to the template search path and to
    the set of folders the PDF renderer may read (images, CSS) - nothing else on disk is
    readable to it.
    """


@hookspec
def ctc_cli_commands(cli):
    """Add commands to the ``ctc`` command line.

    ``cli`` is the top-level click group; add a sub-group named after the plugin with
    ``cli.add_command``. Called once when the CLI starts. Commands that act on a center
    must refuse when that center has the plugin off (:func:`core.plugins.plugin_enabled`).
    """


@hookspec
def ctc_demo_data(center, session):
    """Create the plugin's demo data for ``center`` using the SQLAlchemy ``session``.

    Called by ``ctc demo`` for each demo center where the plugin is enabled, inside one
    transaction that the caller commits. Must be idempotent: running ``ctc demo`` twice
    creates nothing twice (look rows up by natural key before adding them).
    """


@hookspec
def ctc_jobs():
    """Return background job handlers as a mapping ``{name: callable}``.

    Called once at start-up. A handler is called as ``handler(job, **params)`` inside an app
    context by the in-process worker or by ``ctc worker`` (RQ); it reports progress with
    ``job.progress(done, total)``. Names are prefixed by the plugin's name.
    """


# --- per-request hooks (filtered by the current center's switches) ---------------------


@hookspec
def ctc_menu_items(center, user):
    """Return navigation entries for the current page (a list of :class:`core.plugins.MenuItem`).

    Called on every rendered page, only for plugins enabled at ``center``. ``user`` is the
    logged-in user. An entry with ``permission`` set is shown only to users who hold it at
    ``center``; filter other entries yourself.
    """


@hookspec
def ctc_dashboard_widgets(center, user):
    """Return dashboard widgets (a list of :class:`core.plugins.Widget`).

    Called when the dashboard renders, only for plugins enabled at ``center``. A widget
    names a template and the values it needs; the template sees the widget as ``w`` and
    reads them from ``w.context``. Keep its queries cheap (counts, sums).
    """


@hookspec
def ctc_center_plugin_toggled(center, plugin, enabled):
    """React to a plugin being switched on or off for a center.

    Called once the switch rows are flushed, inside the caller's transaction (which commits
    them and anything the implementation adds), for every installed plugin (not just the
    enabled ones), with ``plugin`` the name of the plugin that changed and ``enabled`` its
    new state. Switching off must never delete data: at most pause background work.
    """


@hookspec
def ctc_certificate_issued(certificate, center):
    """React to a certificate being issued (a cross-plugin event).

    ``certificate`` is a plain dict: ``number``, ``code`` (verification code),
    ``holder_name_km``, ``holder_name_en``, ``phone``, ``national_id``, ``course_code``,
    ``course_title_en``, ``course_title_km``, ``hours`` and ``issued_on`` (a date). Called
    after the certificate is committed, only for plugins enabled at ``center``.
    """


@hookspec(firstresult=True)
def ctc_verify_code(code):
    """Look up a public verification code (certificates, awards) for ``/verify/<code>``.

    Called by core's public verification page for every installed plugin until one answers.
    Return a :class:`core.verification.Verification` when the code is yours, else ``None``.
    The plugin must return ``None`` when the record's own center has the plugin switched
    off. Show only what the public may see: never phone numbers, IDs or birth dates.
    """


@hookspec
def ctc_find_people(center, query, purpose):
    """Find people another plugin may link to a record, e.g. a borrower or a repair trainee.

    ``purpose`` says why (``"loan"``, ``"repair_trainee"``...); ``query`` is what the user
    typed. Return a list of :class:`core.verification.PersonRef`. Called per request, only
    for plugins enabled at ``center``; return only people of that center.
    """
