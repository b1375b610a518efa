// A Go gRPC client of LLMGW, built on stubs that `buf generate --template
// buf.gen.go.yaml` made from proto/ (protoc-gen-go and protoc-gen-go-grpc),
// compiled against Debian's grpc-go. Used by test/go-grpc.test.ts and shown
// in docs/other-languages.md.
//
//	go run test/go-grpc-client.go HOST:PORT API_KEY MODEL
//
// Prints one JSON object: the unary answer, the streamed pieces, and the
// code a wrong key gets.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	llmgwv1 "llmgw.example/gen/llmgw/v1"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

func request(model, text string) *llmgwv1.ChatRequest {
	return &llmgwv1.ChatRequest{
		Model: model,
		Messages: []*llmgwv1.Message{{
			Role:    llmgwv1.Role_ROLE_USER,
			Content: []*llmgwv1.ContentPart{{Part: &llmgwv1.ContentPart_Text{Text: text}}},
		}},
	}
}

func main() {
	address, key, model := os.Args[1], os.Args[2], os.Args[3]
	conn, err := grpc.Dial(address, grpc.WithInsecure())
	if err != nil {
		fail(err)
	}
	defer conn.Close()
	chat := llmgwv1.NewChatServiceClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	authed := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+key)

	reply, err := chat.Complete(authed, &llmgwv1.CompleteRequest{Chat: request(model, "Hello from Go")})
	if err != nil {
		fail(err)
	}
	var text strings.Builder
	for _, part := range reply.Choices[0].Message.Content {
		text.WriteString(part.GetText())
	}

	stream, err := chat.Stream(authed, &llmgwv1.StreamRequest{Chat: request(model, "Hello from Go")})
	if err != nil {
		fail(err)
	}
	pieces := []string{}
	finish, streamed, provider := "", uint32(0), ""
	for {
		event, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			fail(err)
		}
		switch e := event.Event.(type) {
		case *llmgwv1.StreamResponse_Delta:
			if e.Delta.Text != "" {
				pieces = append(pieces, e.Delta.Text)
			}
		case *llmgwv1.StreamResponse_Finish:
			finish = e.Finish.Reason.String()
		case *llmgwv1.StreamResponse_Usage:
			streamed = e.Usage.Usage.GetCompletionTokens()
			provider = e.Usage.Gateway.GetProvider()
		}
	}

	wrong := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer sk-not-a-key")
	_, err = chat.Complete(wrong, &llmgwv1.CompleteRequest{Chat: request(model, "hi")})
	refused := status.Code(err).String()

	out, _ := json.Marshal(map[string]any{
		"complete": map[string]any{
			"text":              text.String(),
			"finish":            reply.Choices[0].FinishReason.String(),
			"completion_tokens": reply.Usage.GetCompletionTokens(),
			"provider":          reply.Gateway.GetProvider(),
		},
		"stream": map[string]any{
			"pieces":            pieces,
			"finish":            finish,
			"completion_tokens": streamed,
			"provider":          provider,
		},
		"wrong_key": refused,
	})
	fmt.Println(string(out))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
