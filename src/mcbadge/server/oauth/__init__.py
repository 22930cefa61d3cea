"""OAuth 2.0 for the service: Authlib's authorization server on the registry
(:mod:`.authorization`), the teacher's consent page (:mod:`.consent`) and the OB 3.0 Service
Description Document (:mod:`.discovery`). The routes are in ``server/routes/oauth.py`` and
``server/routes/ob_api.py``."""
