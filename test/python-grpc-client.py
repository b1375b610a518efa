"""A Python gRPC client of LLMGW, built on stubs that `buf generate --template
buf.gen.python.yaml` made from proto/. Used by test/python-grpc.test.ts and
shown in docs/other-languages.md.

    python3 test/python-grpc-client.py HOST:PORT API_KEY MODEL

Prints one JSON object: the unary answer, the streamed pieces, and the code
a wrong key gets.
"""

import json
import sys

import grpc

from llmgw.v1 import chat_pb2, chat_pb2_grpc


def request(model, text):
    return chat_pb2.ChatRequest(
        model=model,
        messages=[
            chat_pb2.Message(
                role=chat_pb2.ROLE_USER,
                content=[chat_pb2.ContentPart(text=text)],
            )
        ],
    )


def main(address, key, model):
    auth = (("authorization", "Bearer " + key),)
    with grpc.insecure_channel(address) as channel:
        chat = chat_pb2_grpc.ChatServiceStub(channel)

        reply = chat.Complete(
            chat_pb2.CompleteRequest(chat=request(model, "Hello from Python")),
            metadata=auth,
            timeout=10,
        )
        choice = reply.choices[0]

        pieces, finish, usage = [], None, None
        for event in chat.Stream(
            chat_pb2.StreamRequest(chat=request(model, "Hello from Python")),
            metadata=auth,
            timeout=10,
        ):
            kind = event.WhichOneof("event")
            if kind == "delta" and event.delta.text:
                pieces.append(event.delta.text)
            elif kind == "finish":
                finish = chat_pb2.FinishReason.Name(event.finish.reason)
            elif kind == "usage":
                usage = event.usage

        try:
            chat.Complete(
                chat_pb2.CompleteRequest(chat=request(model, "hi")),
                metadata=(("authorization", "Bearer sk-not-a-key"),),
                timeout=10,
            )
            refused = "OK"
        except grpc.RpcError as error:
            refused = error.code().name

    print(
        json.dumps(
            {
                "complete": {
                    "text": "".join(p.text for p in choice.message.content),
                    "finish": chat_pb2.FinishReason.Name(choice.finish_reason),
                    "completion_tokens": reply.usage.completion_tokens,
                    "provider": reply.gateway.provider,
                },
                "stream": {
                    "pieces": pieces,
                    "finish": finish,
                    "completion_tokens": usage.usage.completion_tokens if usage else None,
                    "provider": usage.gateway.provider if usage else None,
                },
                "wrong_key": refused,
            }
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:4])
