import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Module, Controller, Get } from '@nestjs/common';
import { HELLO } from '@driftwarden/domain';
@Controller() class C { @Get() h() { return HELLO; } }
@Module({ controllers: [C] }) class M {}
async function main() { const app = await NestFactory.create(M, { logger: false }); await app.init(); console.log('ok', HELLO); await app.close(); }
void main();
