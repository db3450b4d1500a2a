"""Bot API calls sent as one JSON body instead of aiogram's urlencoded form.

aiogram posts every call as a form: each field goes through `urllib.parse.quote`, one Python
call per character of the text, so a screen of ~2,000 characters cost more CPU to encode than
the rest of its send. The Bot API takes `application/json` for every call without a file, and
the body is one `orjson` call. A call that uploads a file (a chart) still goes as multipart, the
way aiogram sends it. The fields are the ones aiogram would send, with the same omissions.
"""

from __future__ import annotations

from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiohttp import ClientError, ClientTimeout

JSON_HEADERS = {"Content-Type": "application/json"}


class JsonBodySession(AiohttpSession):
    """An `AiohttpSession` whose calls without files carry a JSON body."""

    def json_body(self, bot: Bot, method: TelegramMethod[Any]) -> dict[str, Any] | None:
        """The call's fields as one JSON object; None when it carries a file to upload."""
        files: dict[str, Any] = {}
        body: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared:  # aiogram's form leaves out empty and false fields: so do we
                body[key] = prepared
        return None if files else body

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> TelegramType:
        body = self.json_body(bot, method)
        if body is None:
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            async with session.post(
                url,
                data=self.json_dumps(body),
                headers=JSON_HEADERS,
                timeout=ClientTimeout(total=self.timeout if timeout is None else timeout),
            ) as resp:
                raw_result = await resp.text()
        except TimeoutError as exc:
            raise TelegramNetworkError(method=method, message="Request timeout error") from exc
        except ClientError as exc:
            raise TelegramNetworkError(
                method=method, message=f"{type(exc).__name__}: {exc}"
            ) from exc
        response = self.check_response(
            bot=bot, method=method, status_code=resp.status, content=raw_result
        )
        return cast(TelegramType, response.result)

    async def close(self) -> None:
        """Close the pool; wait for TLS connections to close only when there are any.

        aiogram always waits 250 ms after closing, for TLS shutdowns to finish; a Bot API server
        reached over plain HTTP (a local Bot API server, the sandbox) has none to wait for.
        """
        if self.api.base.lower().startswith("https:"):
            await super().close()
        elif self._session is not None and not self._session.closed:
            await self._session.close()
